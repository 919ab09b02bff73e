// An illegal estimator override must not compile: pathwise on poisson.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", pathwise>(poisson(exp(x)), poisson(1.0));
    (void)site;
}

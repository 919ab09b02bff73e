// An illegal estimator override must not compile: enumerate on a Poisson site, whose support is not finite.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", enumerate>(poisson(exp(x)), poisson(1.0));
    (void)site;
}

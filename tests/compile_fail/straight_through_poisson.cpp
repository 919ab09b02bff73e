// An illegal estimator override must not compile: straight_through on through_poisson.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", straight_through>(poisson(exp(x)), poisson(1.0));
    (void)site;
}

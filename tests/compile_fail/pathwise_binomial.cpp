// An illegal estimator override must not compile: pathwise on binomial.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", pathwise>(binomial_logits(5, x), binomial_logits(5, x));
    (void)site;
}

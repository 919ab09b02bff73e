// An illegal estimator override must not compile: gumbel_softmax on a Binomial site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(binomial_logits(5, x), binomial_logits(5, x));
    (void)site;
}

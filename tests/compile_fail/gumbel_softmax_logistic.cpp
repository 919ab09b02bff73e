// An illegal estimator override must not compile: gumbel_softmax on a logistic site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(logistic(x, exp(x)), logistic(0.0, 1.0));
    (void)site;
}

// An illegal estimator override must not compile: gumbel_softmax on a Gamma site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(gamma(exp(x), 1.0), gamma(2.0, 1.0));
    (void)site;
}

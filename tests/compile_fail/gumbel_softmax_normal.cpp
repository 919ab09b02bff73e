// An illegal estimator override must not compile: gumbel_softmax on a Normal site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(normal(x, exp(x)), std_normal());
    (void)site;
}

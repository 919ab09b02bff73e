// An illegal estimator override must not compile: gumbel_softmax on a subset site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(subset<2>(x), uniform_subset<2>());
    (void)site;
}

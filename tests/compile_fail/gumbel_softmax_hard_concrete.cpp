// An illegal estimator override must not compile: gumbel_softmax on a Hard Concrete site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(hard_concrete(x), hard_concrete(0.0));
    (void)site;
}

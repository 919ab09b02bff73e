// An illegal estimator override must not compile: straight_through on a Geometric site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", straight_through>(geometric_logits(x), geometric_logits(x));
    (void)site;
}

// An illegal estimator override must not compile: pathwise on geometric.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", pathwise>(geometric_logits(x), geometric_logits(x));
    (void)site;
}

// An illegal estimator override must not compile: gumbel_softmax on a log_normal site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(log_normal(x, exp(x)), log_normal(0.0, 1.0));
    (void)site;
}

// An illegal estimator override must not compile: pathwise on bernoulli.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", pathwise>(bernoulli_logits(x), bernoulli_logits(x));
    (void)site;
}

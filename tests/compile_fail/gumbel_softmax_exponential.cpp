// An illegal estimator override must not compile: gumbel_softmax on an Exponential site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(exponential(exp(x)), exponential(1.0));
    (void)site;
}

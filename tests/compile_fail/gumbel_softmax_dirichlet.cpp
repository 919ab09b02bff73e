// An illegal estimator override must not compile: gumbel_softmax on a Dirichlet site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", gumbel_softmax>(dirichlet(exp(x), 2), dirichlet(exp(x), 2));
    (void)site;
}

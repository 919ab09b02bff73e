// An illegal estimator override must not compile: vimco on a continuous, reparameterizable normal.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", vimco>(normal(x, 1.0), std_normal());
    (void)site;
}

// An illegal estimator override must not compile: pathwise on a subset site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", pathwise>(subset<2>(x), uniform_subset<2>());
    (void)site;
}

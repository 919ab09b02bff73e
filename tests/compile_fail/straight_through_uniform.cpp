// An illegal estimator override must not compile: straight_through on a Uniform site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", straight_through>(uniform(x, x + 1.0), uniform(0.0, 1.0));
    (void)site;
}

// A user's estimator refuses a family with the user's own message: a Normal site with an estimator
// written for discrete sites.
#include "support/user_extensions.hpp"
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"z", user_code::score_with_fixed_baseline<2>>(normal(x, exp(x)), std_normal());
    (void)site;
}

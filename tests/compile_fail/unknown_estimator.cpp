// An estimator the policy does not know must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
struct my_estimator {};
int main() {
    auto x = input<"x">();
    auto site = sample<"s", my_estimator>(normal(x, exp(x)), std_normal());
    (void)site;
}

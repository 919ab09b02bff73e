// A user's family is refused by ppl's estimators from its traits: a relaxation of a continuous family.
#include "support/user_extensions.hpp"
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"z", gumbel_softmax>(user_code::kumaraswamy(exp(x), exp(x)), user_code::kumaraswamy(1.0, 1.0));
    (void)site;
}

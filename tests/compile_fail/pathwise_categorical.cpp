// An illegal estimator override must not compile: pathwise on categorical.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", pathwise>(categorical(x, 2), uniform_categorical());
    (void)site;
}

// A relaxed site whose prior is of another family must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s">(categorical(x, 2), std_normal());
    (void)site;
}

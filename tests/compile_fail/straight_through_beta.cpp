// An illegal estimator override must not compile: straight_through on a Beta site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", straight_through>(beta(exp(x), 1.0), beta(1.0, 1.0));
    (void)site;
}

// An illegal estimator override must not compile: straight_through on a Student-t site.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"s", straight_through>(student_t(3.0, x, 1.0), student_t(3.0, 0.0, 1.0));
    (void)site;
}

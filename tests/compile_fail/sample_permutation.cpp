// A permutation is not a site of an ELBO: sample<> on it must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"p">(permutation(x, 3), permutation(x, 3));
    (void)site;
}

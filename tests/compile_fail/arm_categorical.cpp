// arm pairs antithetic samples of bernoulli sites: on a categorical site it must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"c", arm>(categorical(x, 1), uniform_categorical());
    (void)site;
}

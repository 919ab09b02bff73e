// disarm is built for bernoulli sites: on a categorical site it must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"c", disarm>(categorical(x, 2), uniform_categorical());
    (void)site;
}

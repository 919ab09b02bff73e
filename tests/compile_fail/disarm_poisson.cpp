// disarm is built for bernoulli sites: on a poisson site it must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"n", disarm>(poisson(exp(x)), poisson(1.0));
    (void)site;
}

// relax needs the conditional Gumbel relaxation, which counts do not have: on a poisson site it must
// not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"n", relax<relax_mlp<8>>>(poisson(exp(x)), poisson(1.0));
    (void)site;
}

// relax is a control variate for discrete sites: on a normal site it must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"z", relax<relax_mlp<8>>>(normal(x, 1.0), normal(0.0, 1.0));
    (void)site;
}

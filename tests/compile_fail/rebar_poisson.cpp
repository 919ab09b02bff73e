// rebar needs a conditional Gumbel relaxation, which poisson sites lack: it must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto site = sample<"n", rebar>(poisson(exp(x)), poisson(1.0));
    (void)site;
}

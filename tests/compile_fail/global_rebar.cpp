// rebar pairs its relaxed and exact samples per data point; a global site has one draw per dataset.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    parameter logits{"logits", 4, 1};
    auto c = sample<"c", global, rebar>(categorical(param(logits), 2), uniform_categorical());
    (void)c;
}

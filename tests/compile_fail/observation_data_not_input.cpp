// The first observation must observe an input.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    parameter w{"w", 2, 1};
    auto objective = elbo(observe(normal(param(w), 1.0), param(w)));
    return static_cast<int>(objective.parameters().size());
}

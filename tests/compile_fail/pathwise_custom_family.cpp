// pathwise on a user-defined family without a reparameterization must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
struct counts_family {
    static constexpr std::string_view name = "my_counts";
    static constexpr bool reparameterizable = false;
    static constexpr bool relaxable = false;
};
using chosen = estimator_for<counts_family, pathwise>;
int main() { return std::is_same_v<chosen, score_function<moving_average>> ? 0 : 1; }

# quanyu_warnings: the project's own code builds at zero warnings under -Wall -Wextra.
# Third-party headers are included as SYSTEM so their warnings never count against us.
add_library(quanyu_warnings INTERFACE)
target_compile_options(quanyu_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 reports -Wrestrict for `"text" + std::to_string(n)` at -O3 (GCC bug 105329, a false
  # positive inside libstdc++'s char_traits); it has never found a real problem here.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<BOOL:${QUANYU_WERROR}>:-Werror>)
add_library(quanyu::warnings ALIAS quanyu_warnings)

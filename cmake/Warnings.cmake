# quanyu_warnings: the project's own code builds at zero warnings under -Wall -Wextra.
# Third-party headers are included as SYSTEM so their warnings never count against us.
add_library(quanyu_warnings INTERFACE)
target_compile_options(quanyu_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${QUANYU_WERROR}>:-Werror>)
add_library(quanyu::warnings ALIAS quanyu_warnings)

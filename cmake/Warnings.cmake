# quanyu_warnings: the project's own code builds at zero warnings under -Wall -Wextra.
# Third-party headers are included as SYSTEM so their warnings never count against us.
string(FIND "${CMAKE_CXX_FLAGS}" "-fsanitize=address" QUANYU_ASAN_AT)
if(QUANYU_ASAN_AT GREATER -1)
  set(QUANYU_SANITIZED ON)
else()
  set(QUANYU_SANITIZED OFF)
endif()
add_library(quanyu_warnings INTERFACE)
target_compile_options(quanyu_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 reports -Wrestrict for `"text" + std::to_string(n)` at -O3 (GCC bug 105329, a false
  # positive inside libstdc++'s char_traits); it has never found a real problem here.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  # GCC 12 reports -Wmaybe-uninitialized inside libstdc++'s <regex> (GCC bug 105562), which the
  # sanitizer build's instrumentation brings out; outside the sanitizers it is kept on.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:${QUANYU_SANITIZED}>>:-Wno-maybe-uninitialized>
  $<$<BOOL:${QUANYU_WERROR}>:-Werror>)
add_library(quanyu::warnings ALIAS quanyu_warnings)

# Use ccache when present: C++ builds are slow on small machines and most rebuilds are repeats.
find_program(QUANYU_CCACHE ccache)
if(QUANYU_CCACHE)
  set(CMAKE_C_COMPILER_LAUNCHER "${QUANYU_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${QUANYU_CCACHE}")
endif()

# One CMake library per layer (docs/architecture.md). Every layer library is a shared library
# linked with --no-undefined: it must resolve every symbol it uses from the libraries it names, so
# a call into a layer above (or beside) it fails to link that library itself — whatever the final
# executables happen to link.
#
#   longtail_layer(NAME SOURCES file... LINKS target... [TORCH])
#
# TORCH marks a LibTorch half (name ends in _torch): LibTorch 2.x wheels ship their own {fmt} on
# the include path, so those libraries must not use fmt/spdlog (harness/common/strcat.h).
function(longtail_layer name)
  cmake_parse_arguments(L "TORCH" "" "SOURCES;LINKS" ${ARGN})
  add_library(${name} SHARED ${L_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${L_LINKS})
  if(NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")  # sanitizer runtimes are resolved by the executable
    target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  endif()
  # Calls inside a library stay direct (no interposition through the PLT): the scorer's hot loops
  # run as fast as from a static library.
  target_compile_options(${name} PRIVATE -fno-semantic-interposition)
  if(L_TORCH)
    target_compile_definitions(${name} PUBLIC LONGTAIL_WITH_TORCH)  # e.g. the step-hook sections of method files
    target_include_directories(${name} PUBLIC ${TORCH_INCLUDE_DIRS})
    target_link_libraries(${name} PUBLIC ${TORCH_LIBRARIES})
  endif()
endfunction()

# LibTorch from a PyTorch 2.x wheel (LONGTAIL_TORCH_DIR = site-packages/torch), CPU half linked directly.
# The PyPI wheel is a CUDA build: its TorchConfig.cmake looks for a CUDA toolkit (nvcc, cuDNN, …) that a
# CPU machine need not have, and its find_library calls prefer a system LibTorch (Debian's 1.13) over
# the wheel's. libtorch_cpu.so and libc10.so are all a CPU program needs; libtorch_cpu finds the CUDA
# runtime it was linked against through its own RPATH (nvidia/cu13/lib beside it in site-packages).
# On a GPU machine leave LONGTAIL_TORCH_DIR unset and point CMAKE_PREFIX_PATH at
# torch.utils.cmake_prefix_path: find_package(Torch) then brings libtorch_cuda too.
set(_torch_dir "${LONGTAIL_TORCH_DIR}")
foreach(_f include/torch/csrc/api/include/torch/torch.h include/ATen/ATen.h lib/libtorch_cpu.so lib/libc10.so)
  if(NOT EXISTS "${_torch_dir}/${_f}")
    message(FATAL_ERROR "LONGTAIL_TORCH_DIR=${_torch_dir}: expected a PyTorch package directory holding ${_f}"
                        " (python -c 'import torch, os; print(os.path.dirname(torch.__file__))')")
  endif()
endforeach()
set(TORCH_INCLUDE_DIRS "${_torch_dir}/include" "${_torch_dir}/include/torch/csrc/api/include")
set(TORCH_LIBRARIES "${_torch_dir}/lib/libtorch_cpu.so" "${_torch_dir}/lib/libc10.so")
# The wheels are built with the C++11 ABI since PyTorch 2.7, like Debian's libraries.
add_compile_definitions(_GLIBCXX_USE_CXX11_ABI=1)
message(STATUS "LibTorch: the CPU libraries of the wheel in ${_torch_dir}")

# Installs ppl into a temporary prefix, then configures, builds and runs a consumer against it. The
# consumer of ppl::ppl configures with MPI made unfindable: only the mpi component may need it.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE status)
if(status)
    message(FATAL_ERROR "install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${WORK_DIR}/build
                        -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                        -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON
                RESULT_VARIABLE status)
if(status)
    message(FATAL_ERROR "consumer configure failed (without MPI)")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE status)
if(status)
    message(FATAL_ERROR "consumer build failed")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE status OUTPUT_VARIABLE out)
message(STATUS "consumer printed: ${out}")
if(status OR NOT out MATCHES "consumer ok")
    message(FATAL_ERROR "consumer run failed")
endif()

# configure_components NAME COMPONENTS: configures tests/install/components asking for COMPONENTS;
# sets NAME_status and NAME_output
function(configure_components name components)
    execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/components -B ${WORK_DIR}/${name}
                            -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                            -DPPL_COMPONENTS=${components}
                    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
    set(${name}_status ${status} PARENT_SCOPE)
    set(${name}_output "${out}${err}" PARENT_SCOPE)
endfunction()
configure_components(mpi mpi)
if(HAVE_MPI)
    if(mpi_status)
        message(FATAL_ERROR "find_package(ppl COMPONENTS mpi) failed:\n${mpi_output}")
    endif()
    message(STATUS "find_package(ppl COMPONENTS mpi) gives ppl::mpi")
else()
    if(NOT mpi_status OR NOT mpi_output MATCHES "installed without MPI")
        message(FATAL_ERROR "a ppl installed without MPI must refuse the mpi component with a reason:\n${mpi_output}")
    endif()
    message(STATUS "the mpi component is refused: this ppl was installed without MPI")
endif()
configure_components(unknown cuda)
if(NOT unknown_status OR NOT unknown_output MATCHES "ppl has no component 'cuda'; its one component is mpi")
    message(FATAL_ERROR "an unknown component must be refused by name:\n${unknown_output}")
endif()
message(STATUS "an unknown component is refused by name")

# Builds one compile-fail target and checks that the build fails with the expected message as
# its only error. Arguments: -DBUILD_DIR= -DTARGET= -DMESSAGE= (a regular expression) and -DNAMES=,
# an optional regular expression the output must also match (the types the error names).
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled, but it must not")
endif()
if(NOT output MATCHES "${MESSAGE}")
    message(FATAL_ERROR "${TARGET} failed without the expected message '${MESSAGE}':\n${output}")
endif()
if(NAMES AND NOT output MATCHES "${NAMES}")
    message(FATAL_ERROR "${TARGET} failed with the message, but its context does not name '${NAMES}':\n${output}")
endif()
string(REGEX MATCHALL "error:" errors "${output}")
list(LENGTH errors count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "${TARGET} gave ${count} errors; ppl's message must be the only one:\n${output}")
endif()
message(STATUS "${TARGET}: one error, with the expected message")

# Turns a .sql file into a C source defining one string: cmake -P embed.cmake
# with IN (the .sql), OUT (the .c) and NAME (the C identifier).
file(READ "${IN}" text)
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REPLACE "\n" "\\n\"\n    \"" text "${text}")
file(WRITE "${OUT}" "/* Generated from ${IN} at build time: do not edit. */\n"
                    "const char ${NAME}[] =\n    \"${text}\";\n")

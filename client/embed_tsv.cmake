# cmake -DIN=file.tsv -DOUT=file.inc -P embed_tsv.cmake
# Writes the file as a C++ raw string literal: kMunicipalitiesTsv.
file(READ ${IN} content)
file(WRITE ${OUT} "// Generated from data/kosovo-municipalities.tsv. Do not edit.\nconstexpr char kMunicipalitiesTsv[] = R\"tsv(${content})tsv\";\n")

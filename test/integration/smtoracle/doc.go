// Package smtoracle holds the Java oracle of connectd's single message transforms: SmtOracle.java runs Apache
// Kafka 3.9's own transformations and predicates (the connect-transforms jar) over the case files of
// connector/transforms/testdata/cases and writes the goldens that connector/transforms' TestGolden checks
// (golden.sh, `make smt-golden`). Its test, TestSMTDifferential (build tag integration, run by
// `make test-integration`), regenerates the goldens with the real jar and fails on any difference from the
// committed goldens or from connectd's output.
package smtoracle

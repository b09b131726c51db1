/** Engine conformance suite: extend {@code EngineConformanceSuite} and return your engine. */
package dev.graft.engine.conformance;

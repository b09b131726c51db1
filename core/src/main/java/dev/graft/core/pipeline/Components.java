package dev.graft.core.pipeline;

import dev.graft.core.spi.BackboneProvider;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.HeadFactory;
import dev.graft.core.spi.RunContext;
import dev.graft.core.spi.TransferStrategy;
import dev.graft.engine.spi.ServiceLoaderEngineRegistry;
import java.nio.file.Path;
import java.util.Set;

/**
 * How a pipeline resolves names into components, once, before a run: implemented by
 * {@link dev.graft.core.Graft} over its registries (ServiceLoader or Guice). Each lookup fails with a
 * message listing the valid names.
 */
public interface Components extends RunContext.Backbones {
    ServiceLoaderEngineRegistry engines();

    TransferStrategy strategy(String id);

    HeadFactory head(String id);

    /** The provider offering backbone {@code name}. */
    BackboneProvider backboneProvider(String name);

    /** Every backbone name offered. */
    Set<String> backboneNames();

    /** The dataset format {@code id}, or ({@code id == null}) the first that accepts {@code path}. */
    DatasetFormat format(String id, Path path);
}

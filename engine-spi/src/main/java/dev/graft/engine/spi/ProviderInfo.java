package dev.graft.engine.spi;

/** What a discovered provider is and where it came from. */
public record ProviderInfo(String id, String module, String version, String implementation) {
    /** Describes a provider class by its module (or the class path) and its package version. */
    public static ProviderInfo of(String id, Class<?> c) {
        Module m = c.getModule();
        String version = m.getDescriptor() != null && m.getDescriptor().version().isPresent()
                ? m.getDescriptor().version().get().toString()
                : c.getPackage() != null && c.getPackage().getImplementationVersion() != null
                        ? c.getPackage().getImplementationVersion() : "unversioned";
        return new ProviderInfo(id, m.isNamed() ? m.getName() : "class path", version, c.getName());
    }

    @Override
    public String toString() {
        return String.format("%-28s %-32s %s", id, module, version);
    }
}

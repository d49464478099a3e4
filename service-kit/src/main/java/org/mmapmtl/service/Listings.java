package org.mmapmtl.service;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The page sizes of a service's listings: {@code mmap.api.page-size} when the client names no limit, at most
 * {@code mmap.api.max-page-size} (env MMAP_API_PAGE_SIZE, MMAP_API_MAX_PAGE_SIZE).
 */
@ApplicationScoped
public class Listings {
    @ConfigProperty(name = "mmap.api.page-size", defaultValue = "50")
    int pageSize;

    @ConfigProperty(name = "mmap.api.max-page-size", defaultValue = "500")
    int maxPageSize;

    /** The page a request's {@code ?limit=&offset=} asks for; 400 problem+json when they are out of range. */
    public Paging page(String limit, String offset) {
        return Paging.of(limit, offset, pageSize, maxPageSize);
    }
}

package dev.kiln.registry.internal;

import dev.kiln.oci.Digest;

/**
 * Where everything lives in storage. The tree is CNCF Distribution's, so a Distribution
 * filesystem root can be served as is; referrers are kiln's addition:
 *
 * <pre>
 * docker/registry/v2/
 *   blobs/sha256/ab/abcd…/data                     every blob and manifest, once (the CAS)
 *   repositories/&lt;name&gt;/                        a repository holds links only, never bytes
 *     _layers/sha256/abcd…/link                    "sha256:abcd…": a blob pushed to or mounted in it
 *     _manifests/revisions/sha256/abcd…/link       a manifest of the repository
 *     _manifests/tags/&lt;tag&gt;/current/link           the manifest a tag points at
 *     _manifests/referrers/sha256/&lt;subject&gt;/sha256/&lt;referrer&gt;/link
 *                                                  the referrer's descriptor (JSON), by subject
 *     _uploads/&lt;id&gt;/data                           the bytes received so far
 *     _uploads/&lt;id&gt;/startedat                      when the upload began (ISO-8601)
 * lock                                             held shared by manifest writes, exclusive by GC
 * </pre>
 *
 * Repository names and tags are checked against the distribution-spec grammar before they get here,
 * so no path built below can contain {@code ..}. Uploads sit in the same file system as the CAS
 * so that finishing one is an atomic rename.
 */
public final class StorageLayout {
  private StorageLayout() {}

  /** The prefix of the whole tree. */
  public static final String ROOT = "docker/registry/v2";

  /** The directory of every repository. */
  public static final String REPOSITORIES = ROOT + "/repositories";

  /** The directory of the CAS. */
  public static final String BLOBS = ROOT + "/blobs";

  /**
   * The content of a blob.
   *
   * @param d its digest
   * @return the path of its data
   */
  public static String blobData(Digest d) {
    return blobDir(d) + "/data";
  }

  /**
   * The directory of a blob in the CAS.
   *
   * @param d its digest
   * @return the directory
   */
  public static String blobDir(Digest d) {
    return BLOBS + "/" + d.algorithm() + "/" + d.encoded().substring(0, 2) + "/" + d.encoded();
  }

  /**
   * A repository's directory.
   *
   * @param repository a checked repository name
   * @return the directory
   */
  public static String repository(String repository) {
    return REPOSITORIES + "/" + repository;
  }

  /**
   * A repository's link to a blob.
   *
   * @param repository the repository
   * @param d the blob
   * @return the link path
   */
  public static String layerLink(String repository, Digest d) {
    return repository(repository) + "/_layers/" + d.algorithm() + "/" + d.encoded() + "/link";
  }

  /**
   * The directory of a repository's manifest revisions.
   *
   * @param repository the repository
   * @return the directory
   */
  public static String revisions(String repository) {
    return repository(repository) + "/_manifests/revisions";
  }

  /**
   * A repository's link to a manifest.
   *
   * @param repository the repository
   * @param d the manifest
   * @return the link path
   */
  public static String revisionLink(String repository, Digest d) {
    return revisions(repository) + "/" + d.algorithm() + "/" + d.encoded() + "/link";
  }

  /**
   * The directory of a repository's tags.
   *
   * @param repository the repository
   * @return the directory
   */
  public static String tags(String repository) {
    return repository(repository) + "/_manifests/tags";
  }

  /**
   * The link a tag points with.
   *
   * @param repository the repository
   * @param tag a checked tag
   * @return the link path
   */
  public static String tagLink(String repository, String tag) {
    return tags(repository) + "/" + tag + "/current/link";
  }

  /**
   * The directory of a subject's referrers.
   *
   * @param repository the repository
   * @param subject the subject manifest
   * @return the directory
   */
  public static String referrers(String repository, Digest subject) {
    return repository(repository) + "/_manifests/referrers/" + subject.algorithm() + "/"
        + subject.encoded();
  }

  /**
   * A referrer's descriptor under its subject.
   *
   * @param repository the repository
   * @param subject the subject manifest
   * @param referrer the referring manifest
   * @return the link path
   */
  public static String referrerLink(String repository, Digest subject, Digest referrer) {
    return referrers(repository, subject) + "/" + referrer.algorithm() + "/" + referrer.encoded()
        + "/link";
  }

  /**
   * The directory of a repository's uploads.
   *
   * @param repository the repository
   * @return the directory
   */
  public static String uploads(String repository) {
    return repository(repository) + "/_uploads";
  }

  /**
   * The bytes of an upload.
   *
   * @param repository the repository
   * @param id the upload id
   * @return the data path
   */
  public static String uploadData(String repository, String id) {
    return uploads(repository) + "/" + id + "/data";
  }

  /**
   * When an upload began.
   *
   * @param repository the repository
   * @param id the upload id
   * @return the path
   */
  public static String uploadStarted(String repository, String id) {
    return uploads(repository) + "/" + id + "/startedat";
  }
}

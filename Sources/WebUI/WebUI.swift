import HostResources

/// Where the dashboard's static files are: `STUDIO_WEBUI_DIR`, else a release bundle's
/// `share/webui` beside the executable, else this package's resources.
public enum WebUI {
    public static var directory: String? {
        PackagedResources.directory(environment: "STUDIO_WEBUI_DIR", bundled: "webui", module: "WebUI", resource: "static",
                                    marker: "index.html")
    }
}

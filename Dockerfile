# HsoService image. Two targets from one build stage:
#   docker build -t hso-service:latest .                    CPU (the default, last stage)
#   docker build -t hso-service:cuda --target cuda .        NVIDIA GPU: ONNX Runtime 1.31's CUDA provider needs
#                                                           CUDA 13 (libcublas.so.13, libcudart.so.13) and cuDNN 9
# The service listens on port 8080, keeps embedded-mode schedules under /data (mount a volume there), runs as a
# non-root user, and ships the default model digits16-ddpm in /app/models. Health: GET /health/live, /health/started, /health/ready.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN ./scripts/publish.sh /app/publish

FROM nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04 AS cuda
# The ASP.NET Core runtime, taken from Microsoft's image rather than downloaded.
COPY --from=mcr.microsoft.com/dotnet/aspnet:10.0 /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && apt-get update && apt-get install -y --no-install-recommends curl ca-certificates libicu74 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1654 --create-home app \
    && mkdir /data && chown app /data
WORKDIR /app
COPY --from=build /app/publish .
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Hso__DataDirectory=/data \
    Hso__Onnx__Provider=Cuda \
    HSO_MODELS_DIR=/app/models
EXPOSE 8080
VOLUME /data
USER app
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "HsoService.Api.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS cpu
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir /data && chown app /data
WORKDIR /app
COPY --from=build /app/publish .
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Hso__DataDirectory=/data \
    HSO_MODELS_DIR=/app/models
EXPOSE 8080
VOLUME /data
USER app
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "HsoService.Api.dll"]

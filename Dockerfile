# CloudService app image. Build from the repository root: docker build -t cloudservice .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends zip >/dev/null && rm -rf /var/lib/apt/lists/*
COPY . .
RUN dotnet publish src/Bootstrapper/Bootstrapper.csproj -c Release -o /app \
 && (if [ -x scripts/pack-plugins.sh ]; then scripts/pack-plugins.sh && mkdir -p /app/plugin-packages && cp artifacts/plugins/*.zip /app/plugin-packages/; fi)

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    CloudService__DataRoot=/data \
    Logging__Format=json
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["dotnet", "CloudService.Bootstrapper.dll"]

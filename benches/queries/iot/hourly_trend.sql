select date_trunc('hour', recorded_at) as hour, avg(heart_rate) as hr_avg, min(spo2) as spo2_min
from silver.vitals
group by 1
order by 1

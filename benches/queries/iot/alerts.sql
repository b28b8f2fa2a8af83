select v.patient_id, p.ward, count(*) as alerts
from silver.vitals v join silver.patients p on p.patient_id = v.patient_id
where v.spo2 < 90 or v.heart_rate > 120
group by v.patient_id, p.ward
order by alerts desc, v.patient_id
limit 10
